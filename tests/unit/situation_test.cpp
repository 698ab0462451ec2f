#include <gtest/gtest.h>
#include "ine/situation.hpp"
TEST(Situation, Vigente) { EXPECT_TRUE(inereg::ine::policy_for_situation(1)->active); }

#include <gtest/gtest.h>

#include "sessions/status.hpp"

// The session-status predicates the registry result routes rely on.
namespace inereg::sessions {
namespace {

TEST(SessionStatus, ChecksAreOverOnlyForASubmittedSessionThatWasDecided) {
  for (const Status status : {Status::kApproved, Status::kDeclined, Status::kResubmissionRequested}) {
    EXPECT_TRUE(checks_over(status)) << static_cast<int>(status);
    EXPECT_FALSE(awaits_check(status)) << static_cast<int>(status);
  }
  // Never submitted (expired, abandoned, still open), or submitted and still checking.
  for (const Status status :
       {Status::kCreated, Status::kStarted, Status::kSubmitted, Status::kExpired, Status::kAbandoned}) {
    EXPECT_FALSE(checks_over(status)) << static_cast<int>(status);
  }
  EXPECT_TRUE(awaits_check(Status::kSubmitted));
}

}  // namespace
}  // namespace inereg::sessions

#pragma once

#include <string_view>
#include <vector>

#include "checks/lookup_pace.hpp"
#include "store/store.hpp"

namespace inereg::checks {

// The cluster-wide pace of re-check lookups (recheck.rate_per_second). Every node's
// dispatcher claims its re-checks through claim(), which takes the starts from the one
// bucket all nodes share (the recheck_pace row, migration 12) in the same transaction
// that claims the re-checks: the row is locked from read to write (PostgreSQL FOR
// UPDATE; SQLite's transaction excludes every other writer), so nodes take turns and a
// start is spent only on a re-check actually claimed. N nodes on one database together
// start at most rate × t + burst re-check lookups in any t seconds.
//
// Times are the callers' clocks (the nodes' wall clocks): a node whose clock runs s
// ahead may take its starts up to s early, and one running far ahead holds the others
// back until their clocks catch up (never more starts, only fewer). Thread-safe.
class RecheckPace {
 public:
  // Bursts of at most a twentieth of a second's worth (at least one): the dispatcher
  // claims several per transaction at high rates, one at a time at low ones.
  RecheckPace(store::Store& store, int per_second);

  struct Claimed {
    std::vector<store::ClaimedCheck> rechecks;
    int allowed = 0;                    // starts the pace allowed: rechecks.size() below it means none more are due
    store::TimeMs next_allowed_at = 0;  // when the pace allows the next start (at or before now: at once)
  };
  // Claims up to `wanted` due re-checks, no more than the pace allows at `now`, leased
  // to `owner` for lease_ms (store::WriteTransaction::claim_rechecks). One transaction.
  Claimed claim(std::string_view owner, store::TimeMs now, store::TimeMs lease_ms, int wanted);

 private:
  store::Store& store_;
  const LookupPace pace_;
};

}  // namespace inereg::checks

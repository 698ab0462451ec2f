#pragma once

// Every connection (API clients, registry lookups in flight, webhook deliveries) holds a
// file descriptor, and the default soft limit (often 1,024) is far below what a node
// with thousands of registry lookups in flight needs (at 2–7 s per answer, 1,000 checks/s
// keep 2,000–7,000 connections open). The hard limit is the operator's decision; the
// soft one is only a default, so the process takes all it is allowed, as nginx's
// worker_rlimit_nofile and Go's runtime do.
namespace inereg::app {

// Raises this process's soft RLIMIT_NOFILE to its hard limit. Returns the limit now in
// effect (the old soft limit when raising failed).
long raise_descriptor_limit();

}  // namespace inereg::app

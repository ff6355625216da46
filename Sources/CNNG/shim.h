#ifndef WARRANT_CNNG_SHIM_H
#define WARRANT_CNNG_SHIM_H
// Debian's libnng-dev ships no pkg-config file; the protocol headers must be included
// explicitly for nng_req0_open and friends to be imported (the module map links "nng").
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/bus0/bus.h>
#endif

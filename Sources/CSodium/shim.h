#ifndef WARRANT_CSODIUM_SHIM_H
#define WARRANT_CSODIUM_SHIM_H
#include <sodium.h>
#endif

#ifndef LIQUIDITY_NEXT_SYMBOL_H
#define LIQUIDITY_NEXT_SYMBOL_H

#include <dlfcn.h>
#include <stdatomic.h>

/* The definition of `name` that this program's own one hides (the next in the
 * search order: GSL's), looked up on the first call and kept in `slot`. */
static inline void *next_symbol(_Atomic(void *) *slot, const char *name) {
    void *f = atomic_load(slot);
    if (!f) {
        f = dlsym(RTLD_NEXT, name);
        atomic_store(slot, f);
    }
    return f;
}

#endif

/* Scope-bound cleanup, the one cleanup style of qfota (systemd's, see
 * ../shared/STYLE.md): a variable declared _cleanup_free_ is freed when it leaves
 * scope; TAKE_PTR hands ownership on. Every *_free/_close function accepts NULL. */
#ifndef QFOTA_CLEANUP_H
#define QFOTA_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void qfota_freep(void *p) { free(*(void **)p); }
static inline void qfota_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void qfota_fclosep(FILE **f) { if (*f) fclose(*f); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(qfota_freep)
#define _cleanup_close_ _cleanup_(qfota_closep)
#define _cleanup_fclose_ _cleanup_(qfota_fclosep)

/* Returns *pp and sets it to NULL, so that a _cleanup_ variable gives up ownership. */
#define TAKE_PTR(p) ({ __typeof__(p) _p_ = (p); (p) = NULL; _p_; })
#define TAKE_FD(fd) ({ int _fd_ = (fd); (fd) = -1; _fd_; })

#define QFOTA_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

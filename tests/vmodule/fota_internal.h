/* Between fota_engine.c and fota_urc.c. */
#ifndef VM_FOTA_INTERNAL_H
#define VM_FOTA_INTERNAL_H

#include "model_internal.h"

/* Sends `+QIND: "FOTA","<event>"[,<value>]` (value < 0: none). progress_index:
 * 1-based index of a DOWNLOADING/UPDATING URC within its phase, 0 otherwise. */
void vm_urc(struct vm_model *m, const char *event, int value, int progress_index);

#endif

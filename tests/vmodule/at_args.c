/* Parameters of a write command, as the module reads them.
 * Grammar: [param *("," param)], param = *SP ( '"' *non-quote '"' | *non-comma ) *SP.
 * No escapes inside quotes (Quectel strings have none). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

int vm_args_parse(const char *s, struct vm_args *ret)
{
	ret->n = 0;
	if (!*s)
		return 0;
	for (;;) {
		if (ret->n == VM_MAX_ARGS)
			return -EINVAL;
		char *t = ret->a[ret->n].text;
		size_t len = 0;
		ret->a[ret->n].quoted = false;
		while (*s == ' ')
			s++;
		if (*s == '"') {
			const char *q = strchr(s + 1, '"');
			if (!q || (size_t)(q - s - 1) >= VM_LINE_MAX)
				return -EINVAL;
			len = (size_t)(q - s - 1);
			memcpy(t, s + 1, len);
			ret->a[ret->n].quoted = true;
			s = q + 1;
			while (*s == ' ')
				s++;
			if (*s && *s != ',')
				return -EINVAL;
		} else {
			while (*s && *s != ',' && len < VM_LINE_MAX - 1)
				t[len++] = *s++;
			while (len > 0 && t[len - 1] == ' ')
				len--;
		}
		t[len] = '\0';
		ret->n++;
		if (!*s)
			return 0;
		s++;   /* ',' */
	}
}

int vm_args_int(const struct vm_args *a, int i, long min, long max, long *ret)
{
	if (i >= a->n || a->a[i].quoted || !a->a[i].text[0])
		return -EINVAL;
	const char *t = a->a[i].text;
	for (const char *c = t; *c; c++)
		if (*c < '0' || *c > '9')
			return -EINVAL;
	if (strlen(t) > 9)
		return -EINVAL;
	long v = strtol(t, NULL, 10);
	if (v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

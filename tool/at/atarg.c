/* The grammar of what goes between the quotes of an AT command as a user
 * gave it (include/qfota/at.h): an APN, a file name on the module. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "qfota/at.h"

static bool all_name_chars(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

bool at_apn_is_valid(const char *apn)
{
	return apn && all_name_chars(apn, AT_APN_MAX);
}

bool at_file_name_is_valid(const char *name)
{
	/* "." and ".." name no file */
	return name && all_name_chars(name, AT_FILE_NAME_MAX) && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}


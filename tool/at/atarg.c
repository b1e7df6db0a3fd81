/* The grammar of what goes between the quotes of an AT command as a user
 * gave it (include/qfota/at.h): an APN, a file name on the module, the
 * module's file system directory. */
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


bool at_ufs_path_is_valid(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (n < 2 || n >= AT_UFS_PATH_MAX || path[0] != '/')
		return false;
	for (const char *part = path + 1; part;) {
		const char *slash = strchr(part, '/');
		size_t len = slash ? (size_t)(slash - part) : strlen(part);
		char buf[AT_UFS_PATH_MAX];

		memcpy(buf, part, len);
		buf[len] = '\0';
		if (!at_file_name_is_valid(buf))
			return false;
		part = slash ? slash + 1 : NULL;
	}
	return true;
}

/* Kernel command-line parsing: words separated by spaces. */
#include <kernel/cmdline.h>
#include <string.h>

/* Find the word that is `key` or starts with `key=`; return its start or NULL. */
static const char *
cmdline_find(const char *s, const char *key)
{
	size_t klen = strlen(key);

	if (!s || !klen)
		return NULL;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, klen) && (s[klen] == 0 || s[klen] == ' ' || s[klen] == '='))
			return s;
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

bool
cmdline_has(const char *cmdline, const char *key)
{
	return cmdline_find(cmdline, key) != NULL;
}

bool
cmdline_value(const char *cmdline, const char *key, char *buf, size_t size)
{
	const char *w = cmdline_find(cmdline, key);
	size_t n = 0;

	if (!w || w[strlen(key)] != '=' || !size)
		return false;
	w += strlen(key) + 1;
	while (w[n] && w[n] != ' ' && n + 1 < size) {
		buf[n] = w[n];
		n++;
	}
	buf[n] = 0;
	return true;
}

/*
 * printf-style formatting into a buffer, shared by the kernel and user space
 * (and checked against the host's snprintf by the host tests).
 */
#include <fmt.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void
out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	bool left;
	bool zero;
	bool alt;        /* '#': 0x in front of a non-zero hex number */
	unsigned width;
};

static void
out_padded(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	size_t pad = sp->width > n ? sp->width - n : 0;
	char fill = sp->zero && !sp->left ? '0' : ' ';

	/* zero padding goes after a sign or a 0x prefix */
	if (fill == '0' && n && *s == '-') {
		out_char(o, *s++);
		n--;
	} else if (fill == '0' && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		out_char(o, *s++);
		out_char(o, *s++);
		n -= 2;
	}
	if (!sp->left)
		while (pad--)
			out_char(o, fill);
	while (n--)
		out_char(o, *s++);
	if (sp->left)
		while (pad--)
			out_char(o, ' ');
}

static void
out_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
	   const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t i = sizeof(tmp);
	bool prefix = sp->alt && base == 16 && v;

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (prefix) {
		tmp[--i] = upper ? 'X' : 'x';
		tmp[--i] = '0';
	}
	if (negative)
		tmp[--i] = '-';
	out_padded(o, tmp + i, sizeof(tmp) - i, sp);
}

/* Read a conversion's argument as 64 bits, by its length modifier. */
static uint64_t
arg_unsigned(va_list *ap, int longs)
{
	if (longs >= 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t
arg_signed(va_list *ap, int longs)
{
	if (longs >= 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *
parse_spec(const char *f, struct spec *sp, int *longs)
{
	*sp = (struct spec){ 0 };
	*longs = 0;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		(*longs)++;
		f++;
	}
	return f;
}

static void
convert(struct out *o, char c, const struct spec *sp, int longs, va_list *ap)
{
	const char *s;
	int64_t sv;

	switch (c) {
	case 'd':
	case 'i':
		sv = arg_signed(ap, longs);
		out_number(o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0, 10, false, sp);
		break;
	case 'u':
		out_number(o, arg_unsigned(ap, longs), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		out_number(o, arg_unsigned(ap, longs), false, 16, c == 'X', sp);
		break;
	case 'p':
		out_char(o, '0');
		out_char(o, 'x');
		out_number(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		out_padded(o, s, strlen(s), sp);
		break;
	case 'c':
		out_char(o, (char)va_arg(*ap, int));
		break;
	default:
		out_char(o, '%');
		if (c)
			out_char(o, c);
		break;
	}
}

int
fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	int longs;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		if (fmt[1] == '%') {
			out_char(&o, '%');
			fmt += 2;
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &longs);
		convert(&o, *fmt, &sp, longs, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int
fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

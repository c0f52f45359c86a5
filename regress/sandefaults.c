/*
 * Linked into the atf-c test programs of the sanitizer build: libatf-c
 * leaks its own test case list when asked for it (-l), which is not ours
 * to fix.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libatf-c.so\n";
}

const char *__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	/* kyua treats any stderr output while listing test cases as broken. */
	return "print_suppressions=0";
}

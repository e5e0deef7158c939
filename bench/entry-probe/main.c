/* The C library rows' main: the probe's work is done at its entry (entry.S); main only returns. */
int main(void) { return 0; }

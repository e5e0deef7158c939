/* use-c: a C program built against the installed library with only `pkg-config --cflags --libs
 * ulexec` (tests/install/install-test). It starts SAMPLE (the hello sample) in a child through
 * ulexec_execve and checks the child's output and exit status; and a missing file's error.
 *   use-c SAMPLE */
#include <ulexec/ulexec.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: use-c SAMPLE\n");
    return 2;
  }
  struct ulexec_error error;
  char* missing_argv[] = {"missing", NULL};
  const int rc = ulexec_execve("/nonexistent/program", missing_argv, environ, &error);
  if (rc != -ENOENT || error.code != ENOENT) {
    fprintf(stderr, "use-c: a missing file gave %d (%s), not -ENOENT\n", rc, error.text);
    return 1;
  }
  int out[2];
  if (pipe(out) != 0) return perror("pipe"), 1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    char* child_argv[] = {"hello-c", "from C", "--exit", "7", NULL};
    const int r = ulexec_execve(argv[1], child_argv, environ, &error);
    fprintf(stderr, "use-c: %s: %s (%s)\n", argv[1], strerror(-r), error.text);
    _exit(126);
  }
  close(out[1]);
  char buf[256];
  size_t len = 0;
  for (ssize_t n; (n = read(out[0], buf + len, sizeof buf - 1 - len)) > 0;) len += (size_t)n;
  buf[len] = '\0';
  int status;
  if (waitpid(pid, &status, 0) != pid) return perror("waitpid"), 1;
  const char* expected = "hello from hello-c\nargv[1]: from C\n";
  if (strcmp(buf, expected) != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
    fprintf(stderr, "use-c: the child wrote \"%s\" and ended with status 0x%x; expected \"%s\" and exit 7\n", buf,
            status, expected);
    return 1;
  }
  printf("use-c: ok\n");
  return 0;
}

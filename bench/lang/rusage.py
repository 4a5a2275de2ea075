# Runs a command and reports the CPU time (user + sys) of its process and the children it
# waited for, on stderr. posix_spawn + wait4 measure that child alone: the subprocess module
# forked Python first and its fork's time (about 55 ms here) was counted in every figure.
import os
import sys

pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ)
_, status, r = os.wait4(pid, 0)
sys.stderr.write("process-cpu-ms %.1f\n" % ((r.ru_utime + r.ru_stime) * 1000))
sys.exit(os.waitstatus_to_exitcode(status))

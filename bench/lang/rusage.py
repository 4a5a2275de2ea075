# Runs a command and reports the CPU time (user + sys) its process tree used, on stderr.
import resource
import subprocess
import sys

code = subprocess.run(sys.argv[1:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write("process-cpu-ms %.1f\n" % ((r.ru_utime + r.ru_stime) * 1000))
sys.exit(code)

# Runs one Python program and reports the CPU time of compile + run (no interpreter start-up).
import runpy
import sys
import time

t = time.process_time()
runpy.run_path(sys.argv[1], run_name="__main__")
sys.stderr.write("cpu-ms %.1f\n" % ((time.process_time() - t) * 1000))

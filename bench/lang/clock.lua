-- Runs one Lua program and reports the CPU time of load + run (no interpreter start-up).
local t = os.clock()
dofile(arg[1])
io.stderr:write(string.format("cpu-ms %.1f\n", (os.clock() - t) * 1000))

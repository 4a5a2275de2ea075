local parts = {}
for i = 0, 300000 - 1 do parts[#parts + 1] = "item" .. tostring(i) end
local joined = table.concat(parts, ",")
local ordered = 0
for i = 2, #parts do
  if parts[i - 1] < parts[i] then ordered = ordered + 1 end
  if parts[i] == "item12345" then ordered = ordered + 1000 end
end
local buf = {}
for i = 1, 200000 do buf[#buf + 1] = "ab" end
local acc = table.concat(buf)
print(#joined, ordered, #acc)

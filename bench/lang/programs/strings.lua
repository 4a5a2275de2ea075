local words = {"alpha", "beta", "gamma", "delta", "epsilon"}
local count, total = 0, 0
for i = 0, 300000 - 1 do
  local w = words[i % 5 + 1] .. "-" .. tostring(i % 100)
  if w < "delta-50" then count = count + 1 end
  if w == "gamma-42" then count = count + 1000 end
  total = total + #w
end
local buf = {}
for i = 1, 200000 do buf[#buf + 1] = "ab" end
local acc = table.concat(buf)
print(count, total, #acc, string.upper(table.concat(words, ", ")))

local xs = {}
for i = 0, 1000000 - 1 do xs[#xs + 1] = i * 2 end
local total = 0
for i = 1, #xs do total = total + xs[i] end
for _, x in ipairs(xs) do total = total - x / 2 end
print(math.floor(total))

local Counter = {}
Counter.__index = Counter
function Counter.new() return setmetatable({count = 0}, Counter) end
function Counter:add(n) self.count = self.count + n end
local c = Counter.new()
for i = 0, 5000000 - 1 do c:add(i % 3) end
print(c.count)

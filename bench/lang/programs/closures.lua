local function makeAdder(k) return function(x) return x + k end end
local function makeCounter()
  local n = 0
  return function() n = n + 1; return n end
end
local counter = makeCounter()
local total = 0
for i = 0, 1000000 - 1 do
  local add = makeAdder(i % 10)
  total = add(total) + counter() % 2
end
print(total, counter())

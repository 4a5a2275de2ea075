local Node = {}
Node.__index = Node
function Node.new(left, right) return setmetatable({left = left, right = right}, Node) end
function Node:check()
  if self.left == nil then return 1 end
  return 1 + self.left:check() + self.right:check()
end
local function make(depth)
  if depth == 0 then return Node.new(nil, nil) end
  return Node.new(make(depth - 1), make(depth - 1))
end
local maxDepth, minDepth = 14, 4
print("stretch", make(maxDepth + 1):check())
local longLived = make(maxDepth)
for depth = minDepth, maxDepth, 2 do
  local iterations = 2 ^ (maxDepth - depth + minDepth)
  local check = 0
  for _ = 1, iterations do check = check + make(depth):check() end
  print(math.floor(iterations), depth, check)
end
print("long lived", longLived:check())

class Counter:
    def __init__(self):
        self.count = 0

    def add(self, n):
        self.count += n


def main():
    c = Counter()
    for i in range(5000000):
        c.add(i % 3)
    print(c.count)


main()

def make_adder(k):
    return lambda x: x + k


def make_counter():
    n = 0

    def count():
        nonlocal n
        n += 1
        return n
    return count


def main():
    counter = make_counter()
    total = 0
    for i in range(1000000):
        add = make_adder(i % 10)
        total = add(total) + counter() % 2
    print(total, counter())


main()

def main():
    xs = []
    for i in range(1000000):
        xs.append(i * 2)
    total = 0
    for i in range(len(xs)):
        total += xs[i]
    for x in xs:
        total -= x / 2
    print(int(total))


main()

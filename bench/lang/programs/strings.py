def main():
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    count = 0
    total = 0
    for i in range(300000):
        w = words[i % 5] + "-" + str(i % 100)
        if w < "delta-50":
            count += 1
        if w == "gamma-42":
            count += 1000
        total += len(w)
    acc = ""
    for i in range(200000):
        acc = acc + "ab"
    print(count, total, len(acc), ", ".join(words).upper())


main()

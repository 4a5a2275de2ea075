def main():
    parts = []
    for i in range(300000):
        parts.append("item" + str(i))
    joined = ",".join(parts)
    ordered = 0
    for i in range(1, len(parts)):
        if parts[i - 1] < parts[i]:
            ordered += 1
        if parts[i] == "item12345":
            ordered += 1000
    acc = ""
    for i in range(200000):
        acc = acc + "ab"
    print(len(joined), ordered, len(acc))


main()

// These tests start real processes on loopback ports. Two collections run side by side, each one test at a time:
// "dali-line" (the 64-gear line: its minutes go by on the simulated bus's wire timing, at a few percent of one core) and
// "processes" (every other test, among them the time-critical night program, which therefore never shares the machine
// with more than that one line). Every test has its own ports, temporary folder and pty pair.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]

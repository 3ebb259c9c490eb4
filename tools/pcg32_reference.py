"""An independent, big-integer PCG-XSH-RR 32 (O'Neill 2014, the default increment), used to produce the
reference values in test/random.test.ts for convkit's 32-bit-limb implementation in src/random.ts.
Run: python3 tools/pcg32_reference.py"""
M=2**64
state=0; inc=1442695040888963407
def step():
    global state; state=(state*6364136223846793005+inc)%M
def out(old):
    xs=(((old>>18)^old)>>27)&0xffffffff; rot=old>>59
    return ((xs>>rot)|(xs<<((-rot)&31)))&0xffffffff
def seed(s):
    global state; state=0; step(); state=(state+s)%M; step()
def nxt():
    old=state; step(); return out(old)
for s in [0, 42, 67280421310721, 2**53-1]:
    seed(s); print(s, [nxt() for _ in range(4)])

import random, gzip, sys
random.seed(int(sys.argv[2]) if len(sys.argv)>2 else 1)
N=2_000_000
cov=float(sys.argv[1])
B="ACGT"
# reference with repeats
seq=[]
while len(seq)<N:
    r=random.random()
    if r<0.003:
        seq+= [random.choice(B)]*random.randint(5,15)
    elif r<0.005:
        u=[random.choice(B) for _ in range(random.randint(2,4))]
        seq+= u*random.randint(3,10)
    else:
        seq.append(random.choice(B))
ref="".join(seq[:N])
open("ref.fa","w").write(">chrS\n"+"\n".join(ref[i:i+60] for i in range(0,N,60))+"\n")
# variants
vars=[]
pos=1000
while pos<N-1000:
    pos+=random.randint(50,1500)
    if pos>=N-1000: break
    r=random.random()
    gt=random.choice([(0,1),(0,1),(1,0),(1,1)])
    if r<0.85:
        a=random.choice([b for b in B if b!=ref[pos]])
        vars.append((pos,ref[pos],a,gt))
    elif r<0.93:
        L=random.choice([1,1,1,2,2,3,4,5,8,12])
        vars.append((pos,ref[pos:pos+L+1],ref[pos],gt))
        pos+=L
    else:
        L=random.choice([1,1,1,2,2,3,4,5,8,12])
        ins="".join(random.choice(B) for _ in range(L))
        vars.append((pos,ref[pos],ref[pos]+ins,gt))
with open("truth.vcf","w") as f:
    f.write("##fileformat=VCFv4.2\n##contig=<ID=chrS,length=%d>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"%N)
    for p,r,a,g in vars:
        f.write(f"chrS\t{p+1}\t.\t{r}\t{a}\t50\tPASS\t.\tGT\t{g[0]}|{g[1]}\n")
def hap(h):
    out=[];last=0
    for p,r,a,g in vars:
        out.append(ref[last:p])
        out.append(a if g[h]==1 else r)
        last=p+len(r)
    out.append(ref[last:])
    return "".join(out)
haps=[hap(0),hap(1)]
comp=str.maketrans("ACGT","TGCA")
def rc(s): return s.translate(comp)[::-1]
def err(s):
    s=list(s);q=[]
    for i in range(len(s)):
        e=0.001+0.01*(i/len(s))**2
        if random.random()<e:
            s[i]=random.choice([b for b in B if b!=s[i]]); q.append(chr(33+random.choice([12,20,25])))
        else: q.append(chr(33+random.choice([30,35,37,37,40])))
    return "".join(s),"".join(q)
L=150
npairs=int(N*cov/(2*L))
f1=gzip.open("r1.fq.gz","wt",compresslevel=1);f2=gzip.open("r2.fq.gz","wt",compresslevel=1)
for i in range(npairs):
    h=haps[random.randint(0,1)]
    ins=int(random.gauss(400,50))
    s=random.randint(0,len(h)-ins-1)
    frag=h[s:s+ins]
    if random.random()<0.5: frag=rc(frag)
    a,qa=err(frag[:L]); b,qb=err(rc(frag)[:L])
    f1.write(f"@p{i}/1\n{a}\n+\n{qa}\n"); f2.write(f"@p{i}/2\n{b}\n+\n{qb}\n")
f1.close();f2.close()
print(len(vars),sum(1 for v in vars if len(v[1])==len(v[2])))

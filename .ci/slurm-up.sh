#!/usr/bin/env bash
# Bring up a real single-node SLURM (Debian slurm-wlm) with accounting on this machine, for the
# SLURM executor's integration tests: munged, MariaDB + slurmdbd, slurmctld, slurmd (cgroup v1).
# No systemd is assumed: every daemon is started directly. Idempotent: running daemons are kept.
# Exits non-zero with a message naming the failing piece and its log.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
LOG=/tmp/cairn-slurm; mkdir -p "$LOG"
fail() { echo "slurm-up: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and starts daemons)"

# ---------- packages ----------
if ! command -v slurmctld >/dev/null || ! command -v slurmdbd >/dev/null || ! command -v mariadbd >/dev/null; then
  command -v apt-get >/dev/null || fail "slurm is not installed and apt-get is absent"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    slurm-wlm slurmdbd slurm-client munge mariadb-server mariadb-client > "$LOG/apt.log" 2>&1 \
    || { tail -20 "$LOG/apt.log"; fail "apt-get install of slurm failed (log: $LOG/apt.log)"; }
fi

NODE=$(hostname -s)
getent hosts "$NODE" >/dev/null || echo "127.0.0.1 $NODE" >> /etc/hosts
read -r CPUS SOCK CPS TPC MEM < <(slurmd -C | awk '/^NodeName/{for(i=1;i<=NF;i++){split($i,a,"=");v[a[1]]=a[2]}; print v["CPUs"],v["SocketsPerBoard"],v["CoresPerSocket"],v["ThreadsPerCore"],v["RealMemory"]}')
[ -n "${MEM:-}" ] || fail "slurmd -C did not report this node's resources"
MEM=$((MEM > 2048 ? MEM - 1024 : MEM))

# ---------- munge ----------
[ -s /etc/munge/munge.key ] || /usr/sbin/mungekey -c -k /etc/munge/munge.key 2>/dev/null \
  || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 2>/dev/null
chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge; chmod 755 /run/munge
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --force || fail "munged did not start (/var/log/munge/munged.log)"
  sleep 1
fi
munge -n | unmunge | grep -q 'STATUS: *Success' || fail "munge does not authenticate (/var/log/munge/munged.log)"

# ---------- MariaDB + slurmdbd ----------
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/slurm
chown slurm:slurm /var/spool/slurmctld /var/log/slurm /run/slurm
if ! mysqladmin ping >/dev/null 2>&1; then
  mkdir -p /run/mysqld; chown mysql:mysql /run/mysqld
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql > "$LOG/mariadb-install.log" 2>&1
  # slurmdbd warns below these two values
  nohup /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --innodb-buffer-pool-size=1024M \
    --innodb-lock-wait-timeout=900 --pid-file=/run/mysqld/mysqld.pid > "$LOG/mariadb.log" 2>&1 &
  for _ in $(seq 30); do mysqladmin ping >/dev/null 2>&1 && break; sleep 1; done
fi
mysql -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db; CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
          GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;" \
  || fail "mariadb is not answering (log: $LOG/mariadb.log)"
cat > /etc/slurm/slurmdbd.conf <<EOC
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
EOC
chown slurm:slurm /etc/slurm/slurmdbd.conf; chmod 600 /etc/slurm/slurmdbd.conf

# ---------- slurm.conf: cgroup limits, fast scheduling for tiny jobs ----------
write_conf() {  # $1 = cgroup | linuxproc (no memory enforcement; for machines where cgroups fail)
  if [ "$1" = cgroup ]; then PT=proctrack/cgroup; TP=task/cgroup,task/affinity; JA=jobacct_gather/cgroup
  else PT=proctrack/linuxproc; TP=task/none; JA=jobacct_gather/linux; fi
cat > /etc/slurm/slurm.conf <<EOC
ClusterName=cairn
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=$PT
TaskPlugin=$TP
JobAcctGatherType=$JA
JobAcctGatherFrequency=1
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
InactiveLimit=0
KillWait=10
MinJobAge=300
Waittime=0
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
JobCompType=jobcomp/none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS SocketsPerBoard=$SOCK CoresPerSocket=$CPS ThreadsPerCore=$TPC RealMemory=$MEM State=UNKNOWN
PartitionName=main Nodes=$NODE Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=1024
EOC
}
write_conf cgroup
if [ -d /sys/fs/cgroup/memory ]; then CG=cgroup/v1; else CG=cgroup/v2; fi
cat > /etc/slurm/cgroup.conf <<EOC
CgroupPlugin=$CG
CgroupMountpoint=/sys/fs/cgroup
ConstrainCores=yes
ConstrainRAMSpace=yes
ConstrainDevices=no
EOC

# ---------- daemons ----------
pgrep -x slurmdbd >/dev/null || runuser -u slurm -- /usr/sbin/slurmdbd || fail "slurmdbd did not start (/var/log/slurm/slurmdbd.log)"
for _ in $(seq 30); do sacctmgr -n show cluster >/dev/null 2>&1 && break; sleep 1; done
sacctmgr -n show cluster >/dev/null 2>&1 || fail "slurmdbd is not answering (/var/log/slurm/slurmdbd.log)"
sacctmgr -i add cluster cairn >/dev/null 2>&1
sacctmgr -i add account cairn Cluster=cairn >/dev/null 2>&1
sacctmgr -i add user root Account=cairn >/dev/null 2>&1
if pgrep -x slurmctld >/dev/null; then scontrol reconfigure >/dev/null 2>&1
else runuser -u slurm -- /usr/sbin/slurmctld || fail "slurmctld did not start (/var/log/slurm/slurmctld.log)"; fi
if ! pgrep -x slurmd >/dev/null; then
  /usr/sbin/slurmd; sleep 2
  if ! pgrep -x slurmd >/dev/null; then
    # Pure cgroup v2 without systemd: slurm 22.05's cgroup plugins cannot start. Jobs still run,
    # but --mem is not enforced (the OOM test then skips).
    echo "slurm-up: slurmd failed with cgroups; using proctrack/linuxproc (memory limits NOT enforced):" >&2
    tail -3 /var/log/slurm/slurmd.log >&2
    write_conf linuxproc; scontrol reconfigure >/dev/null 2>&1
    /usr/sbin/slurmd; sleep 2
    pgrep -x slurmd >/dev/null || fail "slurmd did not start (/var/log/slurm/slurmd.log)"
  fi
fi
for _ in $(seq 30); do sinfo -h -o %T 2>/dev/null | grep -qE '^idle|^mix|^alloc' && break; sleep 1; done
scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
sinfo -h -o %T 2>/dev/null | grep -qE '^idle|^mix|^alloc' \
  || { tail -5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; fail "node $NODE is not idle: $(sinfo -h -o '%T %E' 2>&1)"; }
echo "slurm-up: node $NODE up ($CPUS cpus, $MEM MiB), accounting via slurmdbd"

// CPU seconds from /proc: Synapse's, the service's, the bench's own, and everything else on the
// machine, so a figure says whether Synapse was the bottleneck and how busy the machine was.
import { readFileSync } from "node:fs";

const TICK = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

function processTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return 0;
  }
}

function machineTicks() {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = values;
  return user + nice + system + irq + softirq + steal;
}

export function sample() {
  return {
    at: Date.now(),
    synapse: processTicks(process.env.SYNAPSE_PID),
    service: processTicks(process.env.APPSERVICE_PID),
    bench: processTicks(process.pid),
    machine: machineTicks(),
  };
}

/** CPU seconds between two samples: {synapse, service, bench, others}. */
export function used(from, to) {
  const s = (key) => (to[key] - from[key]) / TICK;
  return { synapse: s("synapse"), service: s("service"), bench: s("bench"), others: Math.max(0, s("machine") - s("synapse") - s("service") - s("bench")) };
}

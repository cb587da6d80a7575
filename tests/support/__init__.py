"""What the tests share: waiting on a condition, child processes, simulators as processes, bridge writers, a
Hazelcast cluster, and the checks of what a consumer may see."""

"""The end-to-end tier's harness: real services run natively, generated jobs run against them.

- ``processes``: free ports, a managed child process with a log file and a bounded wait.
- ``maven``: resolve jars from Maven Central into a classpath; name the coordinates Maven lacks.
- ``kafka``: a Kafka broker in KRaft mode from Maven Central jars.
- ``kinesis``: kinesis-mock (npm ``kinesis-local``), a Kinesis emulator with polling and EFO.
- ``job``: generate, build once and run a project; its stdout, its exit.
- ``drivers``: one driver per connector: the runtime properties that point the connector at the
  service, how to send records in (sources) and read them out (sinks).
- ``file_sinks``: drivers of the sinks that write to a directory (Iceberg, files), read back after
  the job's checkpoint commits.
"""

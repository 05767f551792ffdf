# pipeline: a shell pipeline of three programs, run as "/bin/sh pipeline.sh".
# The shell forks one child per stage, connects them with pipes and execs
# coreutils in each; every stage's syscalls belong to the trace.
#
# groundtruth: expect x86_64:pipe2 x86_64:dup2 x86_64:execve x86_64:wait4 x86_64:getdents64
# groundtruth: processes 4
ls / | sort | wc -l

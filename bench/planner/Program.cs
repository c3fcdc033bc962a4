using BenchmarkDotNet.Running;
using OpenMeet.Bench.Planning;

BenchmarkSwitcher.FromAssembly(typeof(PlannerBenchmarks).Assembly).Run(args);

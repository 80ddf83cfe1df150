using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/MiniDns.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

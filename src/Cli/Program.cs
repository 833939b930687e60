using ControlPlane.Cli;

return await CpctlApp.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, CancellationToken.None);

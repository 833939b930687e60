using ControlPlane.Simulator;

return await SimulatorApp.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);

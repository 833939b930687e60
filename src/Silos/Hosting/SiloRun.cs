namespace ControlPlane.Silos.Hosting;

/// <summary>Runs a built silo host as a process does: ports checked first, a bind failure worded as one line, exit codes.</summary>
public static class SiloRun
{
    /// <summary>Exit code of a configuration problem (a bad key, a port in use, a state store that cannot be opened).</summary>
    public const int ConfigurationError = 2;

    /// <summary>
    /// Builds the host (<see cref="ControlPlaneHost.Build"/>); null after writing every configuration error to
    /// <paramref name="stderr"/>, for the caller to exit with <see cref="ConfigurationError"/>.
    /// </summary>
    public static WebApplication? Build(string[] args, Action<WebApplicationBuilder>? configure, TextWriter stderr)
    {
        try
        {
            return ControlPlaneHost.Build(args, configure);
        }
        catch (InvalidConfigurationException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return null;
        }

    }

    /// <summary>
    /// Starts <paramref name="app"/> and waits for shutdown; returns 0, or <see cref="ConfigurationError"/> after
    /// writing one line per problem to <paramref name="stderr"/> when a port it needs is taken.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app, TextWriter stderr)
    {
        if (PortsInUse.Check(app.Services) is { Count: > 0 } taken)
        {
            foreach (var line in taken)
            {
                await stderr.WriteLineAsync($"error: {line}");
            }

            return ConfigurationError;
        }

        try
        {
            await app.StartAsync();
        }
        catch (Exception ex) when (PortsInUse.Describe(ex) is { } bindFailure)
        {
            await stderr.WriteLineAsync($"error: {bindFailure}");
            return ConfigurationError;
        }
        catch (Exception ex) when (StoreFailure(ex) is { } store)
        {
            await stderr.WriteLineAsync($"error: {store.Message}");
            return ConfigurationError;
        }

        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }

    // The store's own error, wherever the silo's start wrapped it.
    private static ControlPlane.Grains.Storage.GrainStorageUnavailableException? StoreFailure(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is ControlPlane.Grains.Storage.GrainStorageUnavailableException store)
            {
                return store;
            }

            if (ex is AggregateException { InnerExceptions.Count: > 0 } many)
            {
                return many.InnerExceptions.Select(StoreFailure).FirstOrDefault(e => e is not null);
            }
        }

        return null;
    }
}

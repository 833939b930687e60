using System.Diagnostics;
using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Deployments;
using Microsoft.Extensions.Logging;

namespace ControlPlane.Grains.Hosting;

/// <summary>
/// When a silo starts, wakes every grain that keeps time, so lease checks and deployment reconciles resume
/// on their own after a restart: every registered accelerator (from <see cref="IAcceleratorDirectoryGrain"/>;
/// an accelerator woken this way gives its node a full lease to reconnect before it can be marked Lost) and
/// every deployment (from <see cref="IDeploymentDirectoryGrain"/>). Runs in the background once the silo is
/// active; waking is idempotent, so every silo of a cluster may run it.
/// </summary>
public sealed partial class FleetWakeUp(IGrainFactory grains, ILogger<FleetWakeUp> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    // Grains woken at once: enough to wake 100,000 accelerators in seconds, few enough not to flood the silo.
    private const int Concurrency = 64;

    private readonly CancellationTokenSource _stopping = new();
    private Task _sweep = Task.CompletedTask;

    /// <summary>Completes when the sweep of this start has finished (for tests and benchmarks).</summary>
    public Task Completion => _sweep;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(FleetWakeUp), ServiceLifecycleStage.Active,
            _ =>
            {
                _sweep = Task.Run(() => SweepAsync(_stopping.Token));
                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync();
                await _sweep.ContinueWith(_ => { }, TaskScheduler.Default);
            });

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var deployments = await grains.GetGrain<IDeploymentDirectoryGrain>(0).ListAsync();
            var shards = await Task.WhenAll(Enumerable.Range(0, AcceleratorDirectory.Shards).Select(s => grains.GetGrain<IAcceleratorDirectoryGrain>(s).ListAsync()));
            var accelerators = shards.SelectMany(s => s).ToArray();
            await Parallel.ForEachAsync(accelerators, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                async (id, _) => await grains.GetGrain<IAcceleratorGrain>(id).GetAsync());
            await Parallel.ForEachAsync(deployments, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                async (name, _) => await grains.GetGrain<IDeploymentGrain>(name).GetAsync());
            LogWoken(logger, accelerators.Length, deployments.Count, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Not fatal: a grain not woken here wakes at its next call; the error says which store failed.
            LogSweepFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Woke {Accelerators} accelerator(s) and {Deployments} deployment(s) from storage in {Seconds:F1}s; their leases and reconciles run again")]
    private static partial void LogWoken(ILogger logger, int accelerators, int deployments, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Waking grains from storage failed; those not woken resume at their next call")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

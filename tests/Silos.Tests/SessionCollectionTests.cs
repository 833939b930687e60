using ControlPlane.Grains.Sessions;
using ControlPlane.Silos.Tests.Infrastructure;
using Grpc.Core;

namespace ControlPlane.Silos.Tests;

/// <summary>A silo whose idle sessions are collected after two seconds (placements lease for one).</summary>
public sealed class ShortSessionIdleFixture : ControlPlaneFixture
{
    protected override IEnumerable<string> ExtraArguments =>
        ["--ControlPlane:Placement:PlacementLease=00:00:01", "--ControlPlane:Sessions:IdleTimeout=00:00:02"];
}

/// <summary>Idle session grains go away on the configured schedule, and a busy one stays.</summary>
public sealed class SessionCollectionTests(ShortSessionIdleFixture plane) : IClassFixture<ShortSessionIdleFixture>
{
    [Fact]
    public async Task An_idle_session_is_collected_after_the_idle_timeout_and_a_busy_one_is_kept()
    {
        var management = plane.Grains.GetGrain<IManagementGrain>(0);
        var idle = (GrainReference)plane.Grains.GetGrain<ISessionGrain>("collect-idle");
        var busy = (GrainReference)plane.Grains.GetGrain<ISessionGrain>("collect-busy");

        // Any turn activates the session (this one is refused: the deployment does not exist).
        await Turn("collect-idle");
        await Turn("collect-busy");
        Assert.Equal(1, await management.GetGrainActivationCount(idle));

        // The busy session takes a turn every half second; the idle one none.
        using var stop = new CancellationTokenSource();
        var keepBusy = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Turn("collect-busy");
                await Task.Delay(500);
            }
        });
        await Eventually.Until(() => management.GetGrainActivationCount(idle), count => count == 0, TimeSpan.FromSeconds(20), "the idle session to be collected");
        var busyCount = await management.GetGrainActivationCount(busy);
        await stop.CancelAsync();
        await keepBusy;

        Assert.Equal(1, busyCount);
    }

    private async Task Turn(string session)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => plane.Placement.PlaceAsync(Models.Turn("no-such-deployment", session), plane.Gateway).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}

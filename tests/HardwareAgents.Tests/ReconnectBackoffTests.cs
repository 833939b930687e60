using ControlPlane.HardwareAgents.Connection;

namespace ControlPlane.HardwareAgents.Tests;

public class ReconnectBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_ceiling_doubles_per_attempt_up_to_the_maximum()
    {
        var backoff = new ReconnectBackoff(Initial, Max, new Random(1));

        Assert.Equal([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000], Enumerable.Range(0, 8).Select(a => backoff.Ceiling(a).TotalMilliseconds));
        Assert.Equal(Max, backoff.Ceiling(1000));
    }

    [Fact]
    public void Delays_are_jittered_within_the_ceiling_and_spread_out()
    {
        var backoff = new ReconnectBackoff(Initial, Max, new Random(7));

        var delays = Enumerable.Range(0, 1000).Select(_ => backoff.Delay(5)).ToArray();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, backoff.Ceiling(5)));
        // Full jitter: a fleet reconnecting together spreads over the whole window, not one instant.
        Assert.InRange(delays.Average(d => d.TotalMilliseconds), 0.4 * 16000, 0.6 * 16000);
        Assert.True(delays.Distinct().Count() > 900);
    }

    [Fact]
    public void The_same_seed_gives_the_same_delays()
    {
        var a = new ReconnectBackoff(Initial, Max, new Random(3));
        var b = new ReconnectBackoff(Initial, Max, new Random(3));

        Assert.Equal(Enumerable.Range(0, 10).Select(a.Delay), Enumerable.Range(0, 10).Select(b.Delay));
    }
}

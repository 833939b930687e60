using ControlPlane.Placement.Limits;

namespace ControlPlane.Placement.Tests;

public sealed class TokenBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_bucket_starts_full_and_refills_at_its_rate_up_to_capacity()
    {
        var bucket = new TokenBucket(capacity: 1_000, tokensPerSecond: 100, T0);
        bucket.Charge(900, T0);

        Assert.Equal(100, bucket.Level(T0), 6);
        Assert.Equal(600, bucket.Level(T0.AddSeconds(5)), 6);
        Assert.Equal(1_000, bucket.Level(T0.AddHours(1)), 6);
    }

    [Fact]
    public void Usage_charged_after_the_fact_puts_the_bucket_in_debt_until_it_refills()
    {
        var bucket = new TokenBucket(1_000, 100, T0);
        bucket.Charge(1_500, T0);

        Assert.False(bucket.Allows(T0));
        Assert.Equal(TimeSpan.FromSeconds(5.01), bucket.RetryAfter(T0));
        Assert.False(bucket.Allows(T0.AddSeconds(5)));
        Assert.True(bucket.Allows(T0.AddSeconds(5.02)));
        Assert.Equal(TimeSpan.Zero, bucket.RetryAfter(T0.AddSeconds(6)));
    }

    [Fact]
    public void Time_going_backwards_does_not_refill()
    {
        var bucket = new TokenBucket(1_000, 100, T0);
        bucket.Charge(1_000, T0);

        Assert.Equal(0, bucket.Level(T0.AddSeconds(-10)), 6);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(-1, 1)]
    [InlineData(double.NaN, 1)]
    public void Nonsense_sizes_are_refused(double capacity, double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(capacity, rate, T0));

    [Fact]
    public void Negative_charges_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(1, 1, T0).Charge(-5, T0));
}

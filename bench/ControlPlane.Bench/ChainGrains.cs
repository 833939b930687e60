namespace ControlPlane.Bench;

/// <summary>The baseline of the grain benchmark: a call that goes through two grains and does nothing else.</summary>
public interface IChainHeadGrain : IGrainWithStringKey
{
    Task<int> PingAsync(int value);
}

/// <summary>The second grain of the baseline chain.</summary>
public interface IChainLeafGrain : IGrainWithStringKey
{
    Task<int> PingAsync(int value);
}

public sealed class ChainHeadGrain : Grain, IChainHeadGrain
{
    public Task<int> PingAsync(int value) => GrainFactory.GetGrain<IChainLeafGrain>(this.GetPrimaryKeyString()).PingAsync(value + 1);
}

public sealed class ChainLeafGrain : Grain, IChainLeafGrain
{
    public Task<int> PingAsync(int value) => Task.FromResult(value + 1);
}

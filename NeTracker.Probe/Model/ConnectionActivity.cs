namespace NeTracker.Probe.Model;

/// <summary>What an open connection is doing, from the kernel's table (<see cref="Kernel.ConnActivity"/> decides).</summary>
public enum ConnectionActivity
{
    /// <summary>Payload within <see cref="Kernel.ConnActivity.IdleAfter"/>, nothing wrong.</summary>
    Active,
    /// <summary>No payload either way for <see cref="Kernel.ConnActivity.IdleAfter"/> (a pooled or long-lived connection waiting).</summary>
    Idle,
    /// <summary>A side advertises a zero window now: its receiver is not reading.</summary>
    ZeroWindow,
    /// <summary>A side retransmitted and the other has acknowledged nothing new since, for a second or more: the network loses or the peer is gone.</summary>
    Retransmitting,
    /// <summary>One side has sent FIN, the other not yet.</summary>
    HalfClosed,
}

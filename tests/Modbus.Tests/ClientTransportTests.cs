using System.Net.Sockets;

namespace City.Protocols.Modbus.Tests;

/// <summary>
/// <see cref="ModbusTcpClientTransport"/> on its own, against a raw socket peer: frames cut in place from what the receive
/// thread read, a frame that arrives before anyone receives, the ways a connection ends, and where the caller continues.
/// Frames: MBAP header (transaction id, protocol 0, length, unit) then PDU, as in the Modbus Messaging on TCP/IP
/// Implementation Guide V1.0b, 3.1.3; "03 02 12 34" is an FC03 answer of one register 0x1234 (Application Protocol V1.1b3, 6.3).
/// </summary>
public sealed class ClientTransportTests
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoFramesInOneSegment_AreReceivedOneByOne_AndTheCallerContinuesOnTheReceiveThread()
    {
        // The peer sends only once the first receive is waiting: a frame already read when the caller asks completes on the
        // caller's own thread, one that arrives while it waits completes on the receive thread.
        var send = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            await send.Task.WaitAsync(stopping);
            await socket.SendAsync(Hex.Parse("00 01 00 00 00 05 01 03 02 12 34 00 02 00 00 00 05 01 03 02 56 78"), SocketFlags.None, stopping);
            await Task.Delay(Timeout.Infinite, stopping);
        });
        await using var transport = await ModbusTcpClientTransport.ConnectAsync(peer.EndPoint, TestDeadline, TimeProvider.System, CancellationToken.None);
        byte[] pdu = new byte[MbapHeader.MaxPduLength];

        var receiving = ReceiveNotingThreadAsync(transport, pdu);
        send.SetResult();
        (MbapHeader? first, string? continuedOn) = await receiving.WaitAsync(TestDeadline);
        Assert.Equal((ushort)1, first!.Value.TransactionId);
        Assert.Equal("03021234", Hex.Format(pdu.AsSpan(0, first.Value.PduLength)));
        Assert.Equal("modbus-tcp-receive", continuedOn);

        MbapHeader? second = await transport.ReceiveFrameAsync(pdu, CancellationToken.None).AsTask().WaitAsync(TestDeadline);
        Assert.Equal((ushort)2, second!.Value.TransactionId);
        Assert.Equal("03025678", Hex.Format(pdu.AsSpan(0, second.Value.PduLength)));
    }

    [Fact]
    public async Task PeerClosesBetweenFrames_ReceiveReturnsNull_AndInTheMiddleOfOne_IOException()
    {
        await using var peer = new ScriptedPeer(async (socket, index, stopping) =>
        {
            string bytes = index == 0 ? "00 01 00 00 00 05 01 03 02 12 34" : "00 01 00 00 00 05 01 03";
            await socket.SendAsync(Hex.Parse(bytes), SocketFlags.None, stopping);
            socket.Shutdown(SocketShutdown.Send);
        });
        byte[] pdu = new byte[MbapHeader.MaxPduLength];

        await using (var transport = await ModbusTcpClientTransport.ConnectAsync(peer.EndPoint, TestDeadline, TimeProvider.System, CancellationToken.None))
        {
            Assert.NotNull(await transport.ReceiveFrameAsync(pdu, CancellationToken.None).AsTask().WaitAsync(TestDeadline));
            Assert.Null(await transport.ReceiveFrameAsync(pdu, CancellationToken.None).AsTask().WaitAsync(TestDeadline));
        }

        await using (var transport = await ModbusTcpClientTransport.ConnectAsync(peer.EndPoint, TestDeadline, TimeProvider.System, CancellationToken.None))
        {
            await Assert.ThrowsAsync<IOException>(() => transport.ReceiveFrameAsync(pdu, CancellationToken.None).AsTask().WaitAsync(TestDeadline));
        }
    }

    [Fact]
    public async Task DisposeWhileReceiving_FailsTheReceive_AndClosesWithFinNotReset()
    {
        var peerSaw = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = new ScriptedPeer(async (socket, _, stopping) =>
        {
            // 0 bytes is an orderly close (FIN); a reset would throw instead.
            peerSaw.SetResult(await socket.ReceiveAsync(new byte[16], SocketFlags.None, stopping));
        });
        var transport = await ModbusTcpClientTransport.ConnectAsync(peer.EndPoint, TestDeadline, TimeProvider.System, CancellationToken.None);
        ValueTask<MbapHeader?> receive = transport.ReceiveFrameAsync(new byte[MbapHeader.MaxPduLength], CancellationToken.None);

        await transport.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => receive.AsTask().WaitAsync(TestDeadline));
        Assert.Equal(0, await peerSaw.Task.WaitAsync(TestDeadline));
    }

    [Fact]
    public async Task CancelledReceive_ThrowsOperationCanceled()
    {
        await using var peer = new ScriptedPeer(async (_, _, stopping) => await Task.Delay(Timeout.Infinite, stopping));
        await using var transport = await ModbusTcpClientTransport.ConnectAsync(peer.EndPoint, TestDeadline, TimeProvider.System, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        ValueTask<MbapHeader?> receive = transport.ReceiveFrameAsync(new byte[MbapHeader.MaxPduLength], cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.AsTask().WaitAsync(TestDeadline));
    }

    private static async Task<(MbapHeader? Header, string? ContinuedOn)> ReceiveNotingThreadAsync(ModbusTcpClientTransport transport, byte[] pdu)
    {
        MbapHeader? header = await transport.ReceiveFrameAsync(pdu, CancellationToken.None).ConfigureAwait(false);
        return (header, Thread.CurrentThread.Name);
    }
}

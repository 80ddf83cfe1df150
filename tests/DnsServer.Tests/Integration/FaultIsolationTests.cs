using System.Buffers.Binary;
using System.Net.Sockets;
using MiniDns.Tests.Support;
using MiniDns.Wire;

namespace MiniDns.Tests.Integration;

/// <summary>A server whose answering throws for messages with ID 0xDEAD, standing in for the next bug.</summary>
public class FaultyServerFixture : ServerFixture
{
    public const ushort DeadlyId = 0xDEAD;

    public FaultyServerFixture(bool batching)
    {
        UdpBatching = batching;
        Answer = (request, response, snapshot, context, max) =>
            request.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(request) == DeadlyId
                ? throw new IndexOutOfRangeException("the next query of death")
                : QueryProcessor.Process(request, response, snapshot, context, max);
    }
}

public sealed class BatchedFaultyServerFixture() : FaultyServerFixture(batching: true);

public sealed class PortableFaultyServerFixture() : FaultyServerFixture(batching: false);

/// <summary>
/// DESIGN.md: an exception while answering one message is caught where the loop calls the answerer, counted
/// and logged, and the loop goes on. Both UDP loops (recvmmsg and portable) and TCP.
/// </summary>
public abstract class FaultIsolationTests(FaultyServerFixture server)
{
    [Fact]
    public async Task A_message_that_throws_costs_that_message_and_the_udp_loop_answers_the_next()
    {
        long errors = server.Host.Counters.Errors;
        var cancel = TestContext.Current.CancellationToken;
        // The kernel spreads clients over the loops by source port: enough clients that every loop meets one.
        int clients = 4 * Environment.ProcessorCount;
        for (int i = 0; i < clients; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(server.EndPoint);
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, id: FaultyServerFixture.DeadlyId), cancel);
            await socket.SendAsync(QueryBytes.Build("www.example.test.", RecordType.A, id: 0xBEEF), cancel);
            // Replies come in order on one socket: the deadly message got none, the next one its answer.
            Assert.True(MessageReader.TryRead(await RawDns.ReceiveAsync(socket), out var reply, out _));
            Assert.Equal(0xBEEF, reply.Id);
            Assert.Single(reply.Answer);
        }
        Assert.Equal(errors + clients, server.Host.Counters.Errors);
    }

    [Fact]
    public async Task A_message_that_throws_over_tcp_closes_only_its_connection()
    {
        long errors = server.Host.Counters.Errors;
        var cancel = TestContext.Current.CancellationToken;
        using var bystander = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await bystander.ConnectAsync(server.EndPoint, cancel);
        using var victim = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await victim.ConnectAsync(server.EndPoint, cancel);

        await victim.SendAsync(RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: FaultyServerFixture.DeadlyId)), cancel);
        using var bound = new CancellationTokenSource(RawDns.Patience);
        Assert.Equal(0, await victim.ReceiveAsync(new byte[16], SocketFlags.None, bound.Token));
        Assert.Equal(errors + 1, server.Host.Counters.Errors);

        await bystander.SendAsync(RawDns.Framed(QueryBytes.Build("www.example.test.", RecordType.A, id: 5)), cancel);
        Assert.True(MessageReader.TryRead(await RawDns.ReadFramedAsync(bystander), out var reply, out _));
        Assert.Equal(5, reply.Id);
        Assert.Single((await server.Client(Transport.Tcp).QueryAsync("www.example.test.", DnsClient.QueryType.A, cancellationToken: cancel)).Answers);
    }
}

public sealed class BatchedUdpFaultIsolationTests(BatchedFaultyServerFixture server)
    : FaultIsolationTests(server), IClassFixture<BatchedFaultyServerFixture>;

public sealed class PortableUdpFaultIsolationTests(PortableFaultyServerFixture server)
    : FaultIsolationTests(server), IClassFixture<PortableFaultyServerFixture>;

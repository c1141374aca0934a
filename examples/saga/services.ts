/**
 * Offline stand-ins for an airline, a hotel chain and a car rental. Each booking and each
 * cancellation is recorded, so the compensations can be seen afterwards.
 */
import { append, latency } from "../shared/fake-service.js";

export interface Trip {
  tripId: string;
  traveller: string;
  from: string;
  to: string;
  nights: number;
}

export interface Reservation {
  id: string;
  status: "confirmed" | "unavailable";
}

export async function bookFlight(trip: Trip): Promise<Reservation> {
  await latency();
  const id = `FL-${trip.tripId}`;
  await append("bookings", { kind: "flight", id, action: "booked" });
  return { id, status: "confirmed" };
}

export async function bookHotel(trip: Trip): Promise<Reservation> {
  await latency();
  const id = `HT-${trip.tripId}`;
  await append("bookings", { kind: "hotel", id, action: "booked", nights: trip.nights });
  return { id, status: "confirmed" };
}

/** The rental desk has no cars in Venice (it is all canals). */
export async function rentCar(trip: Trip): Promise<Reservation> {
  await latency();
  const id = `CR-${trip.tripId}`;
  if (trip.to === "Venice") return { id, status: "unavailable" };
  await append("bookings", { kind: "car", id, action: "booked" });
  return { id, status: "confirmed" };
}

export async function cancelFlight(id: string): Promise<void> {
  await latency();
  await append("bookings", { kind: "flight", id, action: "cancelled" });
}

export async function cancelHotel(id: string): Promise<void> {
  await latency();
  await append("bookings", { kind: "hotel", id, action: "cancelled" });
}

import { bookFlight, bookHotel, cancelFlight, cancelHotel, rentCar, type Trip } from "./services.js";

export interface Itinerary {
  tripId: string;
  status: "booked" | "cancelled";
  bookings: string[];
  /** What was undone, in the order it was undone (when the booking failed). */
  compensated: string[];
  reason?: string;
}

export async function bookTrip(trip: Trip): Promise<Itinerary> {
  "use durable";
  const bookings: string[] = [];
  const compensated: string[] = [];
  const flight = await bookFlight(trip);
  bookings.push(flight.id);
  try {
    const hotel = await bookHotel(trip);
    bookings.push(hotel.id);
    try {
      const car = await rentCar(trip);
      if (car.status !== "confirmed") throw new Error(`no rental car available in ${trip.to}`);
      bookings.push(car.id);
      return { tripId: trip.tripId, status: "booked", bookings, compensated };
    } catch (error) {
      // Undo what was done, newest first. A compensation is a checkpointed step too, so a
      // crash in the middle of the rollback resumes the rollback.
      await cancelHotel(hotel.id);
      compensated.push(hotel.id);
      throw error;
    }
  } catch (error) {
    await cancelFlight(flight.id);
    compensated.push(flight.id);
    return { tripId: trip.tripId, status: "cancelled", bookings, compensated, reason: (error as Error).message };
  }
}

#include <cuda_fp16.h>
#include <cuda_bf16.h>
/* Copyright (c) 2022, NVIDIA CORPORATION. All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 *  * Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 *  * Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *  * Neither the name of NVIDIA CORPORATION nor the names of its
 *    contributors may be used to endorse or promote products derived
 *    from this software without specific prior written permission.
 *
 * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS ``AS IS'' AND ANY
 * EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
 * IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR
 * PURPOSE ARE DISCLAIMED.  IN NO EVENT SHALL THE COPYRIGHT OWNER OR
 * CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
 * EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
 * PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
 * PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY
 * OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
 * (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
 * OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 */

/*
    Parallel reduction kernels
*/


#define _REDUCE_KERNEL_H_

#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <stdio.h>

namespace cg = cooperative_groups;

// Utility class used to avoid linker errors with extern
// unsized shared memory arrays with templated type
template <class T> struct SharedMemory
{
    __device__ inline operator T *()
    {
        extern __shared__ int __smem[];
        return (T *)__smem;
    }

    __device__ inline operator const T *() const
    {
        extern __shared__ int __smem[];
        return (T *)__smem;
    }
};

// specialize for double to avoid unaligned memory
// access compile errors
template <> struct SharedMemory<double>
{
    __device__ inline operator double *()
    {
        extern __shared__ double __smem_d[];
        return (double *)__smem_d;
    }

    __device__ inline operator const double *() const
    {
        extern __shared__ double __smem_d[];
        return (double *)__smem_d;
    }
};

                                                                                         
 
                                                              
                                                       
     
                 
 


// Specialize warpReduceFunc for int inputs to use __reduce_add_sync intrinsic
// when on SM 8.0 or higher
                                                                                           
 
                                           
                 
 


/*
    Parallel sum reduction using shared memory
    - takes log(n) steps for n input elements
    - uses n threads
    - only works for power-of-2 arrays
*/

/* This reduction interleaves which threads are active by using the modulo
   operator.  This operator is very expensive on GPUs, and the interleaved
   inactivity means that no whole warps are active, which is also very
   inefficient */
                                                                                  
 
                                   
                                                     
                                               

                      
                                   
                                                             

                                          

                  

                                 
                                                      
                                     
                                   
                                         
         

                      
     

                                                
                 
                                       
 

/* This version uses contiguous threads, but its interleaved
   addressing results in many shared memory bank conflicts.
*/
                                                                                  
 
                                   
                                                     
                                               

                      
                                   
                                                             

                                          

                  

                                 
                                                      
                                

                                 
                                             
         

                      
     

                                                
                 
                                       
 

/*
    This version uses sequential addressing -- no divergence or bank conflicts.
*/
                                                                                  
 
                                   
                                                     
                                               

                      
                                   
                                                             

                                          

                  

                                 
                                                           
                      
                                         
         

                      
     

                                                
                 
                                       
 

/*
    This version uses n/2 threads --
    it performs the first level of reduction when reading from global memory.
*/
                                                                                  
 
                                   
                                                     
                                               

                                        
                                                           
                                   
                                                                   

                                       

                           
                                         

                       
                  

                                 
                                                           
                      
                                                        
         

                      
     

                                                
                 
                                    
 

/*
    This version uses the warp shuffle operation if available to reduce
    warp synchronization. When shuffle is not available the final warp's
    worth of work is unrolled to reduce looping overhead.

    See
   http://devblogs.nvidia.com/parallelforall/faster-parallel-reductions-kepler/
    for additional information about using shuffle to perform a reduction
    within a warp.

    Note, this kernel needs a minimum of 64*sizeof(T) bytes of shared memory.
    In other words if blockSize <= 32, allocate 64*sizeof(T) bytes.
    If blockSize > 32, allocate blockSize*sizeof(T) bytes.
*/
                                                                                                          
 
                                   
                                                     
                                               

                                        
                                                           
                                   
                                                                   

                                       

                          
                                        

                       
                  

                                 
                                                            
                      
                                                        
         

                      
     

                                                                    

                                 
                                                     
                            
                                     
                                          
                                                                       
                                                     
         
     

                                                
                               
                                    
 

/*
    This version is completely unrolled, unless warp shuffle is available, then
    shuffle is used within a loop.  It uses a template parameter to achieve
    optimal code for any (power of 2) number of threads.  This requires a switch
    statement in the host code to handle all the different thread block sizes at
    compile time. When shuffle is available, it is used to reduce warp
   synchronization.

    Note, this kernel needs a minimum of 64*sizeof(T) bytes of shared memory.
    In other words if blockSize <= 32, allocate 64*sizeof(T) bytes.
    If blockSize > 32, allocate blockSize*sizeof(T) bytes.
*/
                                                                                                          
 
                                   
                                                     
                                               

                                        
                                                           
                                   
                                                                  

                                       

                          
                                        

                       
                  

                                 
                                            
                                                      
     

                  

                                            
                                                      
     

                  

                                           
                                                     
     

                  

                                                                    

                                 
                                                     
                            
                                     
                                          
                                                                       
                                                     
         
     

                                                
                               
                                    
 

/*
    This version adds multiple elements per thread sequentially.  This reduces
   the overall cost of the algorithm while keeping the work complexity O(n) and
   the step complexity O(log n). (Brent's Theorem optimization)

    Note, this kernel needs a minimum of 64*sizeof(T) bytes of shared memory.
    In other words if blockSize <= 32, allocate 64*sizeof(T) bytes.
    If blockSize > 32, allocate blockSize*sizeof(T) bytes.
*/
                                                                                                                        
 
                                   
                                                     
                                               

                                        
                                                           
                                        
                                                  

                

                                                                               
                                                                             
                                                                   
                  
                                                                  
                                       

                       
                                
                                                                               
                                    
                                      
                                                
             
                          
         
     
          
                                                              
                       
                                
                          
         
     

                                                        
                       
                  

                                 
                                            
                                                      
     

                  

                                            
                                                      
     

                  

                                           
                                                     
     

                  

                                                                    

                                 
                                                     
                            
                                     
                                          
                                                                       
                                                     
         
     

                                                
                               
                                    
 

                                                           
                                                                                               
 
                                 

                                        
                                                           
                                          
                                                    
                                                                  
                                                                                
                                                         

                

                                                                               
                                                                             
                                                                   
                  
                                                                  
                                       

                       
                                
                                                                               
                                    
                                      
                                                
             
                          
         
     
          
                                                              
                       
                                
                          
         
     

                                                                              
             
                                          

                                                        
                                
                                      
     

                    

                                                                                               
                                                                               
                             
                           
                                                                                 
                 
                                                       
     

                                                
                   
                                    
     
 

// Performs a reduction step and updates numTotal with how many are remaining
template <typename T, typename Group> __device__ T cg_reduce_n(T in, Group &threads)
{
    return cg::reduce(threads, in, cg::plus<T>());
}

template <class T> __global__ void cg_reduce(T *g_idata, T *g_odata, unsigned int n)
{
    // Shared memory for intermediate steps
    T *sdata = SharedMemory<T>();
    // Handle to thread block group
    cg::thread_block cta = cg::this_thread_block();
    // Handle to tile in thread block
    cg::thread_block_tile<32> tile = cg::tiled_partition<32>(cta);

    unsigned int ctaSize     = cta.size();
    unsigned int numCtas     = gridDim.x;
    unsigned int threadRank  = cta.thread_rank();
    unsigned int threadIndex = (blockIdx.x * ctaSize) + threadRank;

    T threadVal = 0;
    {
        unsigned int i           = threadIndex;
        unsigned int indexStride = (numCtas * ctaSize);
        while (i < n) {
            threadVal += g_idata[i];
            i += indexStride;
        }
        sdata[threadRank] = threadVal;
    }

    // Wait for all tiles to finish and reduce within CTA
    {
        unsigned int ctaSteps = tile.meta_group_size();
        unsigned int ctaIndex = ctaSize >> 1;
        while (ctaIndex >= 32) {
            cta.sync();
            if (threadRank < ctaIndex) {
                threadVal += sdata[threadRank + ctaIndex];
                sdata[threadRank] = threadVal;
            }
            ctaSteps >>= 1;
            ctaIndex >>= 1;
        }
    }

    // Shuffle redux instead of smem redux
    {
        cta.sync();
        if (tile.meta_group_rank() == 0) {
            threadVal = cg_reduce_n(threadVal, tile);
        }
    }

    if (threadRank == 0)
        g_odata[blockIdx.x] = threadVal;
}

                                                               
                                                                            
 
                                           
                                         
                                                        

                                   
                                              
                                              
                                                                      

                                                   
                               

                                                                               
                                                                             
                                                                   
                               
                  
                                                                  
                                       

                       
                                    
                                                                               
                                    
                                      
                                                     
             
                          
         
     
          
                                                              
                       
                                    
                          
         
     

                                                      

                                           
                                                           
     
                  

                           
                      
                                                                   
                                  
         
                                        
     
 

                                       

////////////////////////////////////////////////////////////////////////////////
// Wrapper function for kernel launch
////////////////////////////////////////////////////////////////////////////////
                                                                                                          
 
                                 
                               

                                                                           
                                                                                
                                                                                   

                                                                              
                                                  
                                           
                        
     

                                                                    
                          
           
                                                                            
              

           
                                                                            
              

           
                                                                            
              

           
                                                                            
              

           
                          
                 
                                                                                     
                  

                 
                                                                                     
                  

                 
                                                                                     
                  

                
                                                                                    
                  

                
                                                                                    
                  

                
                                                                                    
                  

               
                                                                                   
                  

               
                                                                                   
                  

               
                                                                                   
                  

               
                                                                                   
                  
         

              

           
                          
                 
                                                                                     
                  

                 
                                                                                     
                  

                 
                                                                                     
                  

                
                                                                                    
                  

                
                                                                                    
                  

                
                                                                                    
                  

               
                                                                                   
                  

               
                                                                                   
                  

               
                                                                                   
                  

               
                                                                                   
                  
         

              

           
                           
                              
                     
                                                                                               
                      

                     
                                                                                               
                      

                     
                                                                                               
                      

                    
                                                                                              
                      

                    
                                                                                              
                      

                    
                                                                                              
                      

                   
                                                                                             
                      

                   
                                                                                             
                      

                   
                                                                                             
                      

                   
                                                                                             
                      
             
         
              
                              
                     
                                                                                                
                      

                     
                                                                                                
                      

                     
                                                                                                
                      

                    
                                                                                               
                      

                    
                                                                                               
                      

                    
                                                                                               
                      

                   
                                                                                              
                      

                   
                                                                                              
                      

                   
                                                                                              
                      

                   
                                                                                              
                      
             
         

              

           
                                                                
                                              
                                                    
                           
                              
                      
                                                                                                
                      
                     
                                                                                               
                      

                     
                                                                                               
                      

                     
                                                                                               
                      

                    
                                                                                              
                      

                    
                                                                                              
                      

                    
                                                                                              
                      

                   
                                                                                             
                      

                   
                                                                                             
                      

                   
                                                                                             
                      

                   
                                                                                             
                      
             
         
              
                              
                      
                                                                                                
                      
                     
                                                                                                
                      

                     
                                                                                                
                      

                     
                                                                                                
                      

                    
                                                                                               
                      

                    
                                                                                               
                      

                    
                                                                                               
                      

                   
                                                                                              
                      

                   
                                                                                              
                      

                   
                                                                                              
                      

                   
                                                                                              
                      
             
         

              
           
                                                                              
              
           
                                               
                                                                              
                          
                  
                                                                      
                                                                          
                  

                 
                                                                    
                                                                          
                  

                 
                                                                    
                                                                          
                  

                 
                                                                    
                                                                          
                  

                
                                                                  
                                                                          
                  

                
                                                                                   
                  
         
              
     
 

// Instantiate the reduction function for 3 types
                                                                                                          

                                                                                                                

                                                                                                                   


